SELECT monitoring.record_worker_heartbeat(%(worker)s, %(stage)s, %(host)s, %(pid)s)
