"""A form login with an e-mail address (projects with an e-mail user model do this)."""
from locust import HttpUser, task


class FormUser(HttpUser):
    def on_start(self):
        self.client.post("/api/token/", data={"email": "user1@example.com", "pwd": "s3cret-form"})

    @task
    def home(self):
        self.client.get("/api/health/")
