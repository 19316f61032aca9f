import base64

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def token_for(client):
    def token(user) -> str:
        credentials = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
        response = client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {credentials}")
        assert response.status_code == 201, response.content
        return response.json()
    return token


@pytest.fixture
def api(client, token_for, owner):
    """A client speaking for the lab's owner through an API session token."""

    class Api:
        def __init__(self, user):
            self.headers = {"HTTP_VMWARE_API_SESSION_ID": token_for(user)}

        def as_(self, user):
            return Api(user)

        def get(self, path, **params):
            return client.get(f"/api{path}", params, **self.headers)

        def post(self, path, body=None, **params):
            query = "&".join(f"{k}={v}" for k, v in params.items())
            return client.post(f"/api{path}" + (f"?{query}" if query else ""), body or {},
                               content_type="application/json", **self.headers)

        def patch(self, path, body):
            return client.patch(f"/api{path}", body, content_type="application/json", **self.headers)

        def delete(self, path):
            return client.delete(f"/api{path}", **self.headers)

    return Api(owner)


@pytest.fixture
def runner_thread(transactional_db):
    """The runner in a thread of the test process (advance waits for it)."""
    from operations.runner.hosting import run_in_thread
    from operations.runner.runner import Runner

    runner = Runner()
    thread = run_in_thread(runner)
    yield runner
    runner.stop.set()
    thread.join(5)
