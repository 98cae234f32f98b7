"""Repeated claims, pure: no ORM, no Django, like `claims/reconcile/`.

`text` turns sentences and article bodies into words, shingles and MinHash signatures;
`reprints` decides whether two articles are one story printed twice; `scorer` decides whether a
claim repeats an earlier one (`same`, which may copy a verdict) or resembles it (`similar`, a
suggestion). The services layer (`claims/services/matching.py`) fetches candidates and stores
the answers.
"""
