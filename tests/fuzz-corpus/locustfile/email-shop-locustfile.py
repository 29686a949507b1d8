"""Load test of the email-shop fixture: members log in by email with a form body.

    locust -f loadtest/locustfile.py --headless -u 5 -r 5 -t 10s --host http://127.0.0.1:8000
"""
import random

from locust import HttpUser, between, task

POOL = 20
PASSWORD = "shop-pass-1"


class Shopper(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        # A plain HttpUser's session has .headers (only FastHttpSession lacks it).
        self.client.headers["Accept-Language"] = "ko-KR"
        response = self.client.post(
            "/auth/jwt/create/",
            data={"email": f"member{random.randint(1, POOL)}@shop.test", "password": PASSWORD},
        )
        self.token = response.json().get("access") if response.status_code == 200 else None

    @task
    def ping(self):
        self.client.get("/auth/ping/", headers={"Authorization": f"Bearer {self.token}"})
