"""What ships to students and runs beside their code in the notebook: figures, the progress bar,
handwriting, the workshop's table, allocator settings. None of it implements a graded function."""
