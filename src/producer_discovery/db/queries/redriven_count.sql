-- Dead letters re-driven once by redrive_transient_dead_letters() (0070).
SELECT count(*) AS n FROM queue_mgmt.redriven_dead_letters
