"""The production profile (behind a TLS-terminating proxy) passes `manage.py check --deploy`
cleanly; the classroom default stays plain HTTP."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG",
                                                                    "BEHIND_TLS_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=environment, capture_output=True, text=True)


def test_the_production_profile_is_clean_under_check_deploy():
    result = check_deploy(BEHIND_TLS_PROXY="1", ALLOWED_HOSTS="lab.example.edu",
                          CSRF_TRUSTED_ORIGINS="https://lab.example.edu",
                          SECRET_KEY="a-long-random-production-secret-key-of-more-than-fifty-characters-7Qz")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_classroom_default_is_plain_http_and_check_deploy_says_so():
    result = check_deploy()
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):  # HSTS, redirect, cookies
        assert warning in result.stderr


def test_the_production_profile_redirects_to_https_and_trusts_the_proxy(settings, client, owner):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200 and proxied["Strict-Transport-Security"].startswith("max-age=3600")


def test_behind_a_proxy_the_throttled_address_is_the_one_the_proxy_saw(settings, rf):
    from accounts.throttle import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3", REMOTE_ADDR="127.0.0.1")
    settings.PROXY_HOPS = 0
    assert client_address(request) == "127.0.0.1"  # no proxy: the header is the client's word
    settings.PROXY_HOPS = 1
    assert client_address(request) == "10.1.2.3"  # the proxy appended what it saw; the rest is forgeable
    settings.PROXY_HOPS = 2
    assert client_address(request) == "6.6.6.6"
