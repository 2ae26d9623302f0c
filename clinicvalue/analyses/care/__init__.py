"""Care: recalls, follow-ups and the staff call lists."""
