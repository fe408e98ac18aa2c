"""The browsable API docs work under the site's Content-Security-Policy."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_without_csp_violations(live_server, new_context):
    page = new_context().new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(live_server.url + "/api/v1/docs")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_text("Create a link").first.wait_for()
    page.get_by_text("List sales receipts, newest first").first.wait_for()
    assert not problems, problems
