// DynamoDB Local, listening on 127.0.0.1 only.
//
// Amazon's launcher (ServerRunner) has no option for the address: its Jetty server listens on
// every interface, so the tables — ambassadors' names and e-mail addresses — would be reachable
// from the network without authentication. This launcher builds the same server from the same
// command line, binds its connectors to the loopback address, and starts it. Telemetry is never
// configured (Kring passes -disableTelemetry too).
//
// infra/local/dynamodb_local.py compiles it once (with the JDK compiler module the Java runtime
// ships) against the DynamoDB Local jar and runs it instead of `java -jar DynamoDBLocal.jar`.

import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDBLocal {
    private LoopbackDynamoDBLocal() {}

    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local has no connector to bind");
        }
        for (Connector connector : connectors) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
    }
}
