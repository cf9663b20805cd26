"""ATS intake: webhooks, candidate events, vacancies, job feeds and the identity hashes."""
