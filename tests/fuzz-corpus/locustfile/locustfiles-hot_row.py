"""Flash sale: every shopper reserves the same product, back to back (one hot stock row).

Each user logs in once and keeps its token; the reservation body is built before the call.
"""
import os
import random

from locust import HttpUser, constant, task


class FlashSaleShopper(HttpUser):
    wait_time = constant(0)
    POOL = 100
    LOGIN_URL = "/api/token/"
    PRODUCT_ID = int(os.environ.get("LOAD_PRODUCT_ID", "1"))

    def on_start(self):
        index = random.randint(0, self.POOL - 1)
        self.username = f"user{index + 1}"
        password = os.environ.get("LOAD_PASSWORD", "testpass123")
        body = {"username": self.username, "password": password}
        response = self.client.post(self.LOGIN_URL, json=body, name="login")
        self.token = response.json().get("access") if response.status_code == 200 else None

    @task
    def reserve(self):
        if not self.token:
            return
        body = {"product_id": self.PRODUCT_ID, "quantity": 1}
        headers = {"Authorization": f"Bearer {self.token}"}
        with self.client.post(
            f"/api/products/{body['product_id']}/reserve/",
            json=body,
            headers=headers,
            name="reserve",
            catch_response=True,
        ) as response:
            # Sold out is an answer, not a failure.
            if response.status_code in (201, 400):
                response.success()
