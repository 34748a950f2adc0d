"""领导班子: cadres, posts, appointments, duties, village liaison, whereabouts; its rules, statistics and spreadsheet exchange."""
