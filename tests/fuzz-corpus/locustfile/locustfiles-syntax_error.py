from locust import HttpUser, task


class Broken(HttpUser):
    @task
    def go(self)
        self.client.get("/")
