"""Pure core of the resident's side: hand-off tokens and codes, encryption of what residents enter, the QR
code, furigana. No Django import, so the public pre-entry profile and the counter share it."""
