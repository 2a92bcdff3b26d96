"""Use cases. Each public function takes its ports (storage, clock, providers) as arguments."""
