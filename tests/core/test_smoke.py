import httpx

from app.users.models import User


async def test_login_returns_a_token_pair_for_the_superuser(
    client: httpx.AsyncClient, superadmin: User
) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": "superAdmin", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["username"] == "superAdmin"
