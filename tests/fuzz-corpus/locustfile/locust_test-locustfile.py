"""Locust load test of the stock-reservation API, following the troubleshooting guide.

    locust -f locust_test/locustfile.py --headless -u 5 -r 5 -t 10s --host http://127.0.0.1:8000

Needs the test users (`manage.py create_test_users`) and stock (`manage.py seed_stock`).
"""
import json
import random
import time

from locust import FastHttpUser, between, task

USER_POOL_SIZE = 100
PASSWORD = "testpass123"
# simplejwt's access token lives 300 s; refresh a minute early.
TOKEN_REFRESH_SECONDS = 240


class StockUser(FastHttpUser):
    # Guide, performance tip 1: generous connection settings.
    connection_timeout = 60.0
    network_timeout = 60.0
    wait_time = between(1, 2)

    def on_start(self):
        self.username = f"user{random.randint(1, USER_POOL_SIZE)}"
        self.token = None
        self.token_expires_at = 0.0
        self.product_ids = []
        self.authenticate()
        self.load_products()

    def authenticate(self):
        with self.client.post(
            "/api/token/",
            json={"username": self.username, "password": PASSWORD},
            name="/api/token/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login failed for {self.username}: {response.status_code}")
                return
            try:
                self.token = response.json()["access"]
            except (ValueError, KeyError, TypeError):
                response.failure("login response without access token")
                return
            # Guide, performance tip 2: cache the token, re-authenticate only when it expires.
            self.token_expires_at = time.time() + TOKEN_REFRESH_SECONDS

    def auth_headers(self):
        # Guide, error 1: FastHttpSession has no .headers; pass headers on every request.
        return {"Authorization": f"Bearer {self.token}"}

    def load_products(self):
        response = self.client.get("/api/products/", headers=self.auth_headers(),
                                   name="/api/products/")
        if response.status_code == 200:
            try:
                self.product_ids = [p["id"] for p in response.json()]
            except (ValueError, KeyError, TypeError):
                self.product_ids = []

    @task(3)
    def list_products(self):
        if time.time() >= self.token_expires_at:
            self.authenticate()
        self.client.get("/api/products/", headers=self.auth_headers(), name="/api/products/")

    @task(1)
    def reserve_stock(self):
        if time.time() >= self.token_expires_at:
            self.authenticate()
        if not self.product_ids:
            self.load_products()
            if not self.product_ids:
                return
        product_id = random.choice(self.product_ids)
        with self.client.post(
            f"/api/products/{product_id}/reserve/",
            json={"quantity": random.randint(1, 3)},
            headers=self.auth_headers(),
            name="/api/products/[id]/reserve/",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                response.success()
            elif response.status_code == 400:
                # Guide, performance tip 3: an expected business error (JSON body) is a success.
                try:
                    json.loads(response.text)
                    response.success()
                except (ValueError, TypeError):
                    response.failure("400 response parse failed")
            else:
                response.failure(f"unexpected status {response.status_code}")
