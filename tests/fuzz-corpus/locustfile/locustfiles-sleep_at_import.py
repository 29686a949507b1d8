import time

from locust import HttpUser, task

# Waits for a service that never comes: Locust would hang here for 1,000 s.
time.sleep(1000)


class Never(HttpUser):
    @task
    def go(self):
        self.client.get("/")
