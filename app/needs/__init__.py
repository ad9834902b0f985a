"""Training needs from service results: who needs which training, and who needs something else."""
