import sys
from pathlib import Path

# The helpers beside these tests (tracker_events.py) import by their own name.
sys.path.insert(0, str(Path(__file__).parent))
