"""Every file format, written and read here: the one atomic writer, the run folder and the
experiment folders, and their JSON documents (pydantic models shared by writer and reader)."""
