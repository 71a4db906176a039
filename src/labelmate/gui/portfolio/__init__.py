"""The portfolio wizard: profile, projects and layout with a live preview."""
