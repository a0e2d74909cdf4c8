"""Login with a token through the form, logout, CSRF, redirects and the rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.auth.session_cookie import SESSION_COOKIE
from tests.dashboard.conftest import MakeToken
from tests.dashboard.helpers import NONCE, Seeded, csrf_of, login

SUPERVISOR_PAGES = (
    "/giam-sat",
    "/giam-sat/qua-han",
    "/giam-sat/sap-den-han",
    "/giam-sat/ho-so/H-LATE-01",
    "/giam-sat/phieu-xin-loi",
    "/giam-sat/cach-ly",
    "/giam-sat/qua-han.xlsx",
)


def test_supervisor_pages_redirect_to_login(web: TestClient, seeded: Seeded) -> None:
    for path in SUPERVISOR_PAGES:
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path
    response = web.get("/giam-sat/qua-han", params={"agency": "HUYEN"})
    assert response.url.path == "/login"
    assert 'name="next" value="/giam-sat/qua-han?agency=HUYEN"' in response.text
    assert "Đăng nhập giám sát" in response.text


def test_login_then_logout(web: TestClient, seeded: Seeded, make_token: MakeToken) -> None:
    login(web, make_token(), next_path="/giam-sat/cach-ly")
    assert SESSION_COOKIE in web.cookies
    page = web.get("/giam-sat/qua-han")
    assert page.status_code == 200 and "Đăng xuất" in page.text and "Giám sát" in page.text
    refused = web.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert web.get("/giam-sat/qua-han", follow_redirects=False).status_code == 200
    done = web.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert web.get("/giam-sat/qua-han", follow_redirects=False).status_code == 303
    assert "Kết thúc phiên" not in web.get("/logout").text  # no session: back to the home page


def test_logout_page_asks_with_a_form(supervisor: TestClient) -> None:
    html = supervisor.get("/logout").text
    assert "Kết thúc phiên làm việc trên trình duyệt này?" in html
    assert csrf_of(html)


def test_wrong_token_is_refused_in_vietnamese(web: TestClient, seeded: Seeded) -> None:
    nonce = NONCE.search(web.get("/login").text)
    assert nonce is not None
    response = web.post(
        "/login", data={"token": "tthc_" + "x" * 43, "csrf_token": nonce.group(1)}
    )
    assert response.status_code == 401
    assert "Mã truy cập không đúng" in response.text
    assert SESSION_COOKIE not in web.cookies


def test_login_form_without_its_nonce_is_refused(
    web: TestClient, seeded: Seeded, make_token: MakeToken
) -> None:
    web.get("/login")
    response = web.post("/login", data={"token": make_token()}, follow_redirects=False)
    assert response.status_code == 403
    assert "Biểu mẫu đăng nhập đã hết hạn" in response.text
    assert SESSION_COOKIE not in web.cookies


def test_login_never_redirects_off_site(
    web: TestClient, seeded: Seeded, make_token: MakeToken
) -> None:
    nonce = NONCE.search(web.get("/login").text)
    assert nonce is not None
    response = web.post(
        "/login",
        data={"token": make_token(), "next": "//evil.example/", "csrf_token": nonce.group(1)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/giam-sat/qua-han"


def test_login_is_rate_limited(web: TestClient, seeded: Seeded) -> None:
    statuses = []
    for _ in range(8):
        nonce = NONCE.search(web.get("/login").text)
        assert nonce is not None
        statuses.append(
            web.post(
                "/login", data={"token": "tthc_" + "y" * 43, "csrf_token": nonce.group(1)}
            ).status_code
        )
    assert statuses[0] == 401 and statuses[-1] == 429
    last = web.post("/login", data={"token": "x", "csrf_token": "y"})
    assert last.status_code == 403  # a bad form is refused before it costs an attempt


def test_viewer_token_may_not_open_supervisor_pages(
    web: TestClient, seeded: Seeded, make_token: MakeToken
) -> None:
    login(web, make_token("viewer", "TINH"))
    response = web.get("/giam-sat/qua-han")
    assert response.status_code == 403
    assert "chỉ có quyền xem" in response.text
