"""Login-heavy load (forecast benchmark and tests): every task logs in, so the server's CPU
(PBKDF2) limits the run, not the locustfile's pacing."""
import random

from locust import FastHttpUser, constant, task


class Login(FastHttpUser):
    wait_time = constant(0.1)

    @task
    def login(self):
        self.client.post("/api/token/", name="/api/token/",
                         json={"username": f"user{random.randint(1, 100)}", "password": "testpass123"})
