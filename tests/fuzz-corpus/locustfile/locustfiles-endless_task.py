"""One task never ends; the other is fine."""
from locust import HttpUser, task


class Spinner(HttpUser):
    @task
    def spin(self):
        while True:
            pass

    @task
    def health(self):
        self.client.get("/api/health/")
