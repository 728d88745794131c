import unittest

from harness import Client, Server


class HarnessSmokeTest(unittest.TestCase):
    def test_server_starts_answers_liveness_and_stops_cleanly(self):
        with Server() as server:
            resp = Client(server).get("/health/live")
            self.assertEqual(resp.status, 200, resp)
