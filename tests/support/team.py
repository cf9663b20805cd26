"""The talent team in tests: a user added through the admin API, signed in to the dashboard by the
mailed link as a browser would (the link's page, then its button); the cookie to send after."""

from __future__ import annotations

from tests.support import mail
from tests.support.fixtures import MotoStack
from tests.support.pages import post_form


def add_user(
    world: MotoStack, email: str, role: str = "recruiter", locale: str = "en", name: str = "Rita Recruiter"
) -> str:
    """A team user with ``role``; their id."""
    added = world.http(
        "POST",
        "/api/team/users",
        body={"email": email, "name": name, "role": role, "locale": locale},
        admin=True,
    )
    assert added.status == 201, added.body
    user_id: str = added.json()["id"]
    return user_id


def link_of_last_mail() -> str:
    """The path of the dashboard sign-in link in the last mail sent."""
    text = mail.parts(mail.sent_messages()[-1]).text
    [url] = [word for word in text.split() if "/dashboard/sign-in/" in word]
    return mail.path_of(url)


def sign_in(world: MotoStack, address: str) -> str:
    """``name=value`` of the session cookie the mailed link gives."""
    assert post_form(world, "/dashboard/sign-in", {"email": address}).status == 200
    used = post_form(world, link_of_last_mail(), {})
    assert used.status == 303
    [cookie] = used.cookies
    return cookie.split(";")[0]


def signed_in_as(world: MotoStack, role: str, locale: str = "en") -> str:
    """A new user with ``role`` (mail sending verified first), signed in: their cookie."""
    mail.verify_sending_domain()
    address = f"{role}-{locale}@company.example"
    add_user(world, address, role=role, locale=locale)
    return sign_in(world, address)
