SELECT monitoring.forget_worker(%(worker)s)
