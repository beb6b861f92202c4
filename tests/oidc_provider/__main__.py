"""`python -m tests.oidc_provider CONFIG.json`: make the provider's database
(its people, their groups, the workspace as a client) and serve it on the
port the config names, until stopped. The config:
{"port": 0, "client_id": "", "client_secret": "", "redirect_uri": "",
 "people": [{"username": "", "password": "", "groups": [], "name": ""}]}"""

import json
import os
import sys

import django
from django.core.management import call_command


def main(config_path: str) -> None:
    config = json.loads(open(config_path).read())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)

    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    for person in config["people"]:
        user = User.objects.create_user(
            person["username"], person.get("email", ""), person["password"]
        )
        user.first_name, _, user.last_name = person.get("name", "").partition(" ")
        user.save()
        user.groups.set([Group.objects.get_or_create(name=g)[0] for g in person.get("groups", [])])
    Application.objects.create(
        name="HAI pump staff workspace",
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=config["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command("runserver", f"127.0.0.1:{config['port']}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(sys.argv[1])
