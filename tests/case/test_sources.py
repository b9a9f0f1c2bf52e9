def test_read_person_reports_every_field_in_japanese():
    from madoguchi.case.sources import read_person

    person, errors = read_person(
        {
            "name": "緑川 一郎",
            "birth_date": "令和8年2月30日",
            "sex": "x",
            "postal_code": "9990012",
            "nick": "a",
        }
    )
    assert person.name == "緑川 一郎" and person.postal_code == "999-0012" and person.birth is None
    assert set(errors) == {"birth_date", "sex", "nick"}
    assert (
        "存在しない日付" in errors["birth_date"]
        and "性別" in errors["sex"]
        and "未知の項目" in errors["nick"]
    )
    assert read_person(["x"])[1] == {"": "氏名・生年月日などを項目とするオブジェクトで指定してください"}
