"""A forum's agenda: what the forum must see at a meeting.

The agenda is four steps, one module each: `view` keeps the rows as events arrive,
`query` reads one partnership's rows for the kinds routed to one forum, `builder`
(pure) turns those facts into the seven sections, and `render` writes the result as
Markdown or printable HTML; `models` holds the pydantic shapes they pass along.
"""
