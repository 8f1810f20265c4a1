"""What the blueprints call: the pipeline that changes documents and totals, and the answers pages read."""
