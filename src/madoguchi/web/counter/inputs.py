"""Validation of the person form at the counter (hostile input is refused field by field, nothing half-saved)."""

from __future__ import annotations

import re

from django import forms

from madoguchi.wareki import parse_date
from madoguchi.web.counter.models import CasePerson
from madoguchi.web.counter.snapshots import STORED_ITEMS

_POSTAL = re.compile(r"^\d{3}-?\d{4}$")


class WarekiDateField(forms.CharField):
    """Accepts 西暦 or 和暦 text; gives a date."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if len(value) > 30:
            raise forms.ValidationError("日付が長すぎます")
        try:
            return parse_date(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class PersonForm(forms.ModelForm):
    birth_date = WarekiDateField(label="生年月日", required=False)
    death_date = WarekiDateField(label="死亡日", required=False)

    class Meta:
        model = CasePerson
        fields = list(STORED_ITEMS)  # the one list of what a case person row stores

    def clean_zokugara(self):
        from madoguchi.case.vocab import parse_zokugara

        text = self.cleaned_data["zokugara"].strip()
        if not text:
            return ""
        try:
            return parse_zokugara(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_kana(self):
        import jaconv

        kana = self.cleaned_data["kana"].strip()
        kana = jaconv.hira2kata(jaconv.h2z(kana))  # the standard stores フリガナ in full-width katakana
        if kana and not re.fullmatch(r"[\u30A0-\u30FF\u3000 ]+", kana):
            raise forms.ValidationError("フリガナはカタカナで入力してください")
        return kana

    def clean_postal_code(self):
        import unicodedata

        code = unicodedata.normalize("NFKC", self.cleaned_data["postal_code"]).strip()
        if code and not _POSTAL.match(code):
            raise forms.ValidationError("郵便番号は 123-4567 の形で入力してください")
        return code

    def clean_phone(self):
        import unicodedata

        phone = unicodedata.normalize("NFKC", self.cleaned_data["phone"]).strip()
        if phone and not re.fullmatch(r"[0-9\-()]{6,20}", phone):
            raise forms.ValidationError("電話番号は数字とハイフンで入力してください")
        return phone
