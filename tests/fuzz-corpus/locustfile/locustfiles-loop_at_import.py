"""A locustfile that waits forever at import (a service poll that never succeeds)."""
import time

from locust import HttpUser, task

while True:
    time.sleep(0.1)


class Never(HttpUser):
    @task
    def go(self):
        self.client.get("/")
