"""service_demo: a tiny HTTP service for vdist's systemd tests."""

DIST = "service-demo"
