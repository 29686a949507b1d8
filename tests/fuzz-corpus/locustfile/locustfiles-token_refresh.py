"""Three ways to keep a token: a deadline in epoch seconds, one as a datetime, none at all."""
import time
from datetime import datetime, timedelta

from locust import HttpUser, task

CREDENTIALS = {"username": "user7", "password": "testpass123"}


class RefreshingUser(HttpUser):
    def on_start(self):
        self.login()

    def login(self):
        data = self.client.post("/api/token/", json=CREDENTIALS).json()
        self.client.headers.update({"Authorization": f"Bearer {data.get('access')}"})
        self.expires = time.time() + 4 * 60

    @task
    def products(self):
        if time.time() > self.expires:
            self.login()
        self.client.get("/api/products/")


class NaiveUser(HttpUser):
    def on_start(self):
        data = self.client.post("/api/token/", json=CREDENTIALS).json()
        self.client.headers.update({"Authorization": f"Bearer {data.get('access')}"})

    @task
    def products(self):
        self.client.get("/api/products/")


class DatetimeUser(HttpUser):
    def on_start(self):
        self.authenticate()

    def authenticate(self):
        data = self.client.post("/api/token/", json=CREDENTIALS).json()
        self.token = data.get("access")
        self.valid_until = datetime.now() + timedelta(seconds=200)

    @task
    def products(self):
        if datetime.now() >= self.valid_until:
            self.authenticate()
        self.client.get("/api/products/", headers={"Authorization": f"Bearer {self.token}"})
