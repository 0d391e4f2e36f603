"""Running untrusted submissions: a worker process, the pipe between it and the grader, and the
value codec that crosses that pipe (never pickle: a submission must not run code in the grader).
"""
