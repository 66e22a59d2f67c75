-- First look at a delivered message: does it validate for its queue, and was its effect
-- already recorded (a duplicate send)?
SELECT public.validate_queue_message(%(queue)s, %(body)s) AS verdict,
       EXISTS (SELECT 1 FROM idempotency.processed_operations WHERE key = %(key)s) AS seen
