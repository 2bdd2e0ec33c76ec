"""Every price format East African sellers use, and every number that is not a price."""

import pytest

from core.extraction.local import extract_local
from core.extraction.prices import extract_prices, skipped_amounts


def read(caption, default="KES"):
    product = extract_local(caption, "IMAGE", default)
    return product.price, product.currency


@pytest.mark.parametrize("caption, price, currency", [
    ("Denim jacket Ksh 2,500", 2500, "KES"),
    ("Denim jacket KES2500", 2500, "KES"),
    ("Denim jacket kshs. 2,500 only", 2500, "KES"),
    ("Kitenge dress bei ni 2.5k", 2500, "KES"),
    ("Sneakers 2500/= Nairobi", 2500, "KES"),
    ("Sneakers 2,500/- only", 2500, "KES"),
    ("Handbag sh. 1,200", 1200, "KES"),
    ("Handbag @1500", 1500, "KES"),
    ("Handbag @ 1500 each", 1500, "KES"),
    ("Sandals 1,500 bob", 1500, "KES"),
    ("Shea butter UGX 45,000", 45000, "UGX"),
    ("Face serum Ushs 120k", 120000, "UGX"),
    ("Jersey Tsh 25,000", 25000, "TZS"),
    ("Necklace $35", 35, "USD"),
    ("Necklace 35 USD", 35, "USD"),
    ("Viatu bei 1500", 1500, "KES"),
    ("Gauni bei: 1,800 tu", 1800, "KES"),
    ("Sofa set KES 45,000", 45000, "KES"),
    ("Mitumba jeans 800/= Kampala", 800, "UGX"),
    ("Kanga 15,000/= Dar es Salaam", 15000, "TZS"),
    ("Baskets RWF 12,000", 12000, "RWF"),
    ("Cushions 3 for 1000!!", 1000, "KES"),
    ("Bracelets 500 each", 500, "KES"),
    ("Honey 1kg @ 900, 2kg @ 1700", 900, "KES"),
    ("Jacket 3.5K", 3500, "KES"),
    # right after a marker's dot, and a space as the thousands separator
    ("Kikoi Ksh.1,350 only", 1350, "KES"),
    ("Silk scarf Kshs.950", 950, "KES"),
    ("Beaded clutch sh.2200", 2200, "KES"),
    ("Wall mirror Ksh 3 200", 3200, "KES"),
    ("Microwave UGX 1 350 000", 1350000, "UGX"),
    ("Mango juice 1.5L Ksh 250", 250, "KES"),
    ("Chanel No.5 perfume Ksh 4,000", 4000, "KES"),
])
def test_price_formats(caption, price, currency):
    assert read(caption) == (price, currency)


def test_store_default_currency_is_the_last_resort():
    assert read("Sweater 2,000/=", default="UGX") == (2000, "UGX")
    assert read("Sweater 2,000/= Nairobi", default="UGX") == (2000, "KES")
    assert read("Sweater Ksh 2,000", default="UGX") == (2000, "KES")


@pytest.mark.parametrize("caption, currency", [
    ("Sweater 1,500/= Kwale", "KES"),
    ("Sofa set 45,000/=, pick up in Kakamega town", "KES"),
    ("Cushions 2,000/= Murang'a", "KES"),
    ("Gomesi 85,000/= Mbale", "UGX"),
    ("Kitenge 30,000/= Arusha", "TZS"),
    ("Basket 12,000/= Musanze", "RWF"),
])
def test_any_county_or_main_town_decides_the_currency(caption, currency):
    assert read(caption, default="ETB")[1] == currency


def test_currency_written_once_for_a_list_of_prices():
    product = extract_local("Baskets: small 900, medium 1,300, large 1,800 (KES)")
    assert (product.price, product.currency) == (900, "KES")


@pytest.mark.parametrize("caption, price, compare", [
    ("Earbuds was 4,999 now 3,999/=", 3999, 4999),
    ("Smart watch Ksh 1,999 (was 2,999)", 1999, 2999),
    ("School bags Ksh 1,700 was 2,200", 1700, 2200),
    ("Blender from 6,500 to 5,200 this week", 5200, 6500),
    ("Sufuria set ilikuwa 4,000 sasa 3,200", 3200, 4000),
    ("Perfume Ksh 2,000", 2000, None),
    ("Shaggy rug 4,000 ➡️ 3,200", 3200, 4000),
    ("Electric kettle 2500 -> 1900", 1900, 2500),
    ("Kettle Ksh 2,500 → Ksh 1,900", 1900, 2500),
    ("Mkoba ya 1,800 sasa 1,400", 1400, 1800),
    ("Pazia sasa 2,100 badala ya 2,600", 2100, 2600),
    ("Blender 6,000 now 4,800!", 4800, 6000),
])
def test_old_and_new_prices(caption, price, compare):
    product = extract_local(caption)
    assert (product.price, product.compare_at_price) == (price, compare)


@pytest.mark.parametrize("caption, price", [
    ("Jacket Ksh 2,500. Call 0712 345 678", 2500),
    ("Jacket Ksh 2,500 call +254 712 345 678", 2500),
    ("Shea butter UGX 25,000. Call 0772 123456", 25000),
    ("Coffee 500g @1200. Paybill 522522 Acc 1234", 1200),
    ("Phone Ksh 17,999. Lipa na M-Pesa Till 889900", 17999),
    ("Clock 1,800/= Paybill 247247 acc 0720111222", 1800),
    ("Dumbbells 2 x 5kg Tsh 60,000", 60000),
    ("Laptop HP 840 G5 8GB RAM 256GB SSD Ksh 32,000", 32000),
    ("Smart watch T500 Ksh 1,999 2024 model", 1999),
    ("Shoes sizes 36 to 42 Ksh 2,000", 2000),
    ("Dress saizi 8-14 bei 1,500", 1500),
    ("Sale 30% off! Dress Ksh 1,400", 1400),
    ("Jersey 2024/25 season Tsh 35,000", 35000),
    ("Power bank 20000mAh KES 2,800", 2800),
    ("Puzzle 1000 pieces $18", 18),
    ("Blocks age 3+ 1800/=", 1800),
    ("Duvet 6x6 Ksh 3,300", 3300),
    ("Sufuria set of 5 Ksh 4,200", 4200),
    ("Juice 2,000/= delivery 200 within town", 2000),
    ("Sofa Ksh 30,000. Delivery Nairobi 500", 30000),
    ("Shea butter UGX 25,000. Kampala delivery free above 50k", 25000),
    ("Cake Ksh 2,000. Order by 5pm", 2000),
])
def test_traps_are_not_prices(caption, price):
    assert extract_local(caption).price == price


@pytest.mark.parametrize("caption", [
    "DM for price 📩 Human hair wig, 18 inches",
    "Phone cases iPhone 13/14/15 📱 price inbox",
    "Leather sandals, sizes 38-42. Inbox for price",
    "Curtains available, call 0712 345 678 for price",
    "Sneakers size 40. Delivery 300 countrywide",
])
def test_no_price(caption):
    product = extract_local(caption)
    assert product.price is None
    assert product.currency is None


def test_dm_for_price_is_flagged():
    assert extract_prices("Wig DM for price", None, "KES").asks_to_dm


def test_never_raises_on_odd_input():
    for caption in ["", "   ", "💯💯💯", "1,2,3,4,5", "Ksh", "@@@ /=/=", "9" * 400, "k" * 5000]:
        extract_local(caption)


def test_numbers_refused_on_purpose_say_why():
    skipped = skipped_amounts("Sofa Ksh 30,000. Delivery 1,500 upcountry. Call 0712 345 678. Model 2023, 3 seater")
    assert skipped[1500] == "a delivery fee"
    assert skipped[2023] == "a year"
    assert skipped[3] == "a quantity or size"
    assert 30000 not in skipped
