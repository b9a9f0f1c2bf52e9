"""#12 item 13: one address normaliser for search; the address itself is never rewritten."""

import pytest

from madoguchi.juki.records import address_search_key


@pytest.mark.parametrize(
    "typed",
    [
        "中央町1-2-3",
        "中央町１－２－３",
        "中央町1丁目2番3号",
        "中央町一丁目二番三号",
        "中央町１ー２ー３",
        "中央町1丁目2-3",
    ],
)
def test_the_ways_of_writing_one_address_share_a_key(typed):
    assert address_search_key(typed) == "中央町1-2-3"


def test_numbers_in_place_names_stay_and_larger_numbers_read_right():
    assert address_search_key("三田町二十三番地") == "三田町23"
    assert address_search_key("緑が丘3丁目10番地の2") == address_search_key("緑が丘3-10-2")
    assert address_search_key("中央町1丁目2番3号　みどり荘101") == "中央町1-2-3ミドリ荘101"
    assert address_search_key("百五番地") == "105"
