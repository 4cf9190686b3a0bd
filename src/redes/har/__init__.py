"""Course project 2: activity recognition with recurrent nets from the raw HAPT smartphone signals."""
