-- Complaints by the time they were filed. Open311's request list (newest first, the last 90 days
-- by default, at most 1,000) read every complaint of the city for a city-wide client, to keep the
-- window's and sort them (20,000 rows in the test, for 2,609 in the window); with this index it
-- reads the window. Ranges of filing dates (the figures of a month, say) read theirs through it too.
CREATE INDEX complaints_created ON linli.complaints (created_at, id);
