"""HAI pump patient-education assistant: content, build, training and run helpers."""
