"""scratch"""
from tests.staff_dialogs import dialog_for

def test_scratch(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "senco")
    for line in ["ehc", "amir", "5", "2/11", "save", "ehc", "amir", "6", "20/11/2026", "1"]:
        r = d.says(line)
        print(">>", line); print(r.text); print([getattr(b, 'label', b) for b in getattr(r, 'buttons', ())] if hasattr(r,'buttons') else r)
    assert False
