"""CSS and HTML pieces of the monthly report."""
