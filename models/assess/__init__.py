"""考核: plans, indicators, scores, ballots, targets, results, rewards."""
