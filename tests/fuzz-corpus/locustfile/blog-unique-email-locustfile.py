import random

from locust import HttpUser, task


class Reader(HttpUser):
    def on_start(self):
        name = f"writer{random.randint(1, 200)}"
        answer = self.client.post("/api/auth/login/", json={"username": name, "password": "blog-pass"})
        self.headers = {"Authorization": f"Bearer {answer.json().get('access')}"}

    @task
    def home(self):
        self.client.get("/api/auth/login/", headers=self.headers)
