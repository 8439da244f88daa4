"""The six room recipes: what furnishes a bedroom, a living room, a kitchen, an office, a
bathroom and a dining room, and where (beds and desks against walls, chairs around tables,
sofas facing the tv, clutter on surfaces), then the extras every room may get, then what hangs
on its walls (pictures, shelves with things on them, a mirror over the sink, towels) and lies
on its floor (rugs, a bath mat)."""

from __future__ import annotations

import numpy as np

from spatialqa.scenes import clutter, fixtures, seating, storage, tables
from spatialqa.scenes.footprints import TRIES
from spatialqa.scenes.furniture import Model
from spatialqa.scenes.layout import GAP, SLACK, TOP_MARGIN, Layout, Placed

ANCHORS = {
    "bedroom": "bed",
    "living room": "sofa",
    "kitchen": "kitchen counter",
    "office": "desk",
    "bathroom": "toilet",
    "dining room": "table",
}
"""The piece each room type is furnished around; the room is redrawn when it does not fit."""


def _with_chairs(layout: Layout, table: Placed, count: int, make=seating.chair) -> None:
    """Up to ``count`` chairs around ``table``, each facing it."""
    rng = layout.rng
    w, d = table.model.width, table.model.depth
    per_side = 2 if w >= 1.3 else 1
    slots = [((j + 0.5) * w / per_side - w / 2, side, turn)
             for side, turn in ((-1, 0.0), (1, 180.0)) for j in range(per_side)]  # fmt: skip
    slots += [(-1.0, 0, 270.0), (1.0, 0, 90.0)]
    seated = 0
    for k in rng.permutation(len(slots)):
        if seated == count:
            break
        seat = make(rng)
        offset = seat.depth / 2 + GAP + 2 * SLACK
        along, side, turn = slots[k]
        local = (along * (w / 2 + offset), 0.0) if side == 0 else (along, side * (d / 2 + offset))
        if layout.beside(table, seat, *local, turn) is not None:
            seated += 1


def _workplace(layout: Layout, *, required: bool = False) -> Placed | None:
    """A desk against a wall with an office chair (or a chair) facing it, and its gear."""
    rng = layout.rng
    desk = layout.against_wall(tables.desk(rng), required=required)
    if desk is None:
        return None
    seat = seating.office_chair(rng) if rng.random() < 0.7 else seating.chair(rng)
    offset = desk.model.depth / 2 + seat.depth / 2 + GAP + 2 * SLACK
    layout.beside(desk, seat, rng.uniform(-0.15, 0.15), offset, 180.0)
    if rng.random() < 0.7:
        layout.on(desk, clutter.monitor(rng))
        layout.on(desk, clutter.keyboard(rng))
    if rng.random() < 0.5:
        layout.on(desk, clutter.laptop(rng))
    gear = ((clutter.cup, 0.4), (lambda r: clutter.lamp(r, small=True), 0.4), (clutter.book, 0.3))
    for make, chance in gear:
        if rng.random() < chance:
            layout.on(desk, make(rng))
    return desk


def _shelf_of_books(layout: Layout) -> None:
    rng = layout.rng
    shelf = layout.against_wall(storage.bookshelf(rng, layout.height - 0.1))
    if shelf is None:
        return
    for _ in range(int(rng.integers(2, 7))):
        layout.on(shelf, clutter.book(rng))
    for make in (clutter.vase, clutter.clock, lambda r: clutter.plant(r, small=True)):
        if rng.random() < 0.3:
            layout.on(shelf, make(rng))


def _table_setting(layout: Layout, table: Placed, low: int, high: int) -> None:
    rng = layout.rng
    makes = (clutter.cup, clutter.cup, clutter.bowl, clutter.bottle, clutter.vase,
             lambda r: clutter.plant(r, small=True))  # fmt: skip
    for _ in range(int(rng.integers(low, high + 1))):
        layout.on(table, makes[int(rng.integers(len(makes)))](rng))


def _tv_corner(layout: Layout) -> Placed | None:
    """A tv stand against a wall with a tv on it, facing the room."""
    rng = layout.rng
    stand = layout.against_wall(storage.tv_stand(rng))
    if stand is not None:
        width = stand.model.surfaces[0].x1 - stand.model.surfaces[0].x0 - 2 * TOP_MARGIN - 0.02
        if width >= 0.5:
            layout.on(stand, clutter.tv(rng, width))
    return stand


def _facing_piece(layout: Layout, target: Placed, model: Model, near: float, far: float):
    """``model`` in front of ``target`` (``near``..``far`` metres), turned to face it."""
    for _ in range(TRIES // 2):
        distance = layout.rng.uniform(near, far)
        x, y = np.array([target.x, target.y]) + distance * target.direction
        placed = layout.floor(model, float(x), float(y), (target.yaw + 180.0) % 360)
        if placed is not None:
            return placed
    return None


def _bedroom(layout: Layout) -> None:
    rng = layout.rng
    bed = layout.against_wall(seating.bed(rng), required=True)
    for _ in range(1 if bed.model.width < 1.2 else 2):
        layout.on(bed, clutter.pillow(rng))
    for side in (-1, 1):
        if rng.random() < 0.85:
            stand = storage.nightstand(rng)
            x = side * (bed.model.width / 2 + stand.width / 2 + GAP + 2 * SLACK)
            placed = layout.beside(bed, stand, x, -bed.model.depth / 2 + stand.depth / 2, 0.0)
            if placed is not None:
                for make, chance in ((lambda r: clutter.lamp(r, small=True), 0.8),
                                     (clutter.clock, 0.4), (clutter.book, 0.4),
                                     (clutter.cup, 0.2)):  # fmt: skip
                    if rng.random() < chance:
                        layout.on(placed, make(rng))
    layout.against_wall(storage.wardrobe(rng, layout.height - 0.1))
    if rng.random() < 0.6:
        dresser = layout.against_wall(storage.dresser(rng))
        if dresser is not None:
            for make in (clutter.vase, clutter.clock, lambda r: clutter.plant(r, small=True)):
                if rng.random() < 0.5:
                    layout.on(dresser, make(rng))
    if rng.random() < 0.4:
        _workplace(layout)
    if rng.random() < 0.3:
        _shelf_of_books(layout)
    if rng.random() < 0.3:
        _tv_corner(layout)
    if rng.random() < 0.3:
        layout.free(seating.armchair(rng))


def _living_room(layout: Layout) -> None:
    rng = layout.rng
    stand = _tv_corner(layout)
    sofa = None
    if stand is not None:
        sofa = _facing_piece(layout, stand, seating.sofa(rng), 2.2, 3.4)
    if sofa is None:
        sofa = layout.against_wall(seating.sofa(rng), required=True)
    for _ in range(int(rng.integers(0, 3))):
        layout.on(sofa, clutter.pillow(rng))
    coffee = _facing_piece(layout, sofa, tables.coffee_table(rng), 0.8, 1.1)
    if coffee is not None:
        _table_setting(layout, coffee, 1, 3)
        for side, turn in ((-1, 270.0), (1, 90.0)):  # each turned to face the table
            if rng.random() < 0.5:
                chair = seating.armchair(rng)
                offset = coffee.model.width / 2 + chair.depth / 2 + 0.35
                layout.beside(coffee, chair, side * offset, 0.0, turn)
    for _ in range(int(rng.integers(0, 2))):
        layout.free(seating.armchair(rng), face=(sofa.x, sofa.y))
    if rng.random() < 0.5:
        _shelf_of_books(layout)
    if rng.random() < 0.5:
        side = layout.against_wall(tables.side_table(rng))
        if side is not None:
            layout.on(side, clutter.lamp(rng, small=True))
    if rng.random() < 0.3:
        layout.free(seating.ottoman(rng))


def _kitchen(layout: Layout) -> None:
    rng = layout.rng
    counters = [layout.against_wall(fixtures.kitchen_counter(rng), required=True)]
    for _ in range(int(rng.integers(0, 2))):
        counters.append(layout.against_wall(fixtures.kitchen_counter(rng)))
    layout.against_wall(fixtures.stove(rng))
    layout.against_wall(fixtures.refrigerator(rng))
    counters = [c for c in counters if c is not None]
    makes = (clutter.microwave, clutter.kettle, clutter.cup, clutter.bowl, clutter.bottle,
             clutter.bottle)  # fmt: skip
    for counter in counters:
        for _ in range(int(rng.integers(1, 4))):
            layout.on(counter, makes[int(rng.integers(len(makes)))](rng))
    if rng.random() < 0.6:
        table = layout.free(tables.table(rng), central=True)
        if table is not None:
            _with_chairs(layout, table, int(rng.integers(1, 4)))
            _table_setting(layout, table, 0, 2)
    for _ in range(int(rng.integers(0, 3))):
        layout.free(seating.stool(rng))


def _office(layout: Layout) -> None:
    rng = layout.rng
    _workplace(layout, required=True)
    for _ in range(int(rng.integers(0, 2))):
        _workplace(layout)
    for _ in range(int(rng.integers(1, 3))):
        _shelf_of_books(layout)
    if rng.random() < 0.6:
        cabinet = layout.against_wall(storage.cabinet(rng))
        if cabinet is not None and rng.random() < 0.5:
            layout.on(cabinet, clutter.plant(rng, small=True))
    if rng.random() < 0.4:
        table = layout.free(tables.table(rng), central=True)
        if table is not None:
            _with_chairs(layout, table, int(rng.integers(2, 5)), make=seating.office_chair)
    if rng.random() < 0.3:
        layout.free(seating.armchair(rng))


def _bathroom(layout: Layout) -> None:
    rng = layout.rng
    toilet = layout.against_wall(fixtures.toilet(rng), required=True)
    for make in (clutter.bottle, lambda r: clutter.plant(r, small=True)):
        if rng.random() < 0.4:
            layout.on(toilet, make(rng))
    sink = layout.against_wall(fixtures.sink(rng))
    if sink is not None:
        for make in (clutter.bottle, clutter.cup):
            if rng.random() < 0.5:
                layout.on(sink, make(rng))
    layout.against_wall(fixtures.bathtub(rng))
    if rng.random() < 0.5:
        machine = layout.against_wall(fixtures.washing_machine(rng))
        if machine is not None and rng.random() < 0.5:
            layout.on(machine, clutter.bottle(rng))
    if rng.random() < 0.4:
        layout.against_wall(storage.cabinet(rng))


def _dining_room(layout: Layout) -> None:
    rng = layout.rng
    table = layout.free(tables.table(rng), central=True, required=True)
    _with_chairs(layout, table, int(rng.integers(2, 7)))
    _table_setting(layout, table, 1, 5)
    for _ in range(int(rng.integers(1, 3))):
        sideboard = layout.against_wall(storage.cabinet(rng))
        if sideboard is not None:
            _table_setting(layout, sideboard, 0, 2)
    if rng.random() < 0.4:
        _shelf_of_books(layout)
    if rng.random() < 0.3:
        _tv_corner(layout)


_FURNISH = {
    "bedroom": _bedroom,
    "living room": _living_room,
    "kitchen": _kitchen,
    "office": _office,
    "bathroom": _bathroom,
    "dining room": _dining_room,
}


WALL_HUNG = ("picture", "shelf", "mirror", "towel")
"""Categories hung on a wall rather than standing on the floor or on a surface."""
EYE_LEVEL = (1.25, 1.6)
"""Bottom of a picture or a mirror above the floor, metres: centred about eye level."""


def _wall_shelf(layout: Layout, makes, low: int, high: int) -> None:
    """A shelf on a wall, 1.0-1.5 m up, and ``low``..``high`` things from ``makes`` on it."""
    rng = layout.rng
    shelf = layout.on_wall(clutter.shelf(rng), 1.0, 1.5)
    if shelf is not None:
        for _ in range(int(rng.integers(low, high + 1))):
            layout.on(shelf, makes[int(rng.integers(len(makes)))](rng))


def _walls_and_floor(layout: Layout, room_type: str) -> None:
    """Pictures, shelves, mirrors and towels on the walls; rugs, a bath mat and a laundry
    basket on the floor. Last, so that they only fill what the furniture left."""
    rng = layout.rng
    small = (lambda r: clutter.plant(r, small=True), clutter.vase, clutter.book, clutter.clock)
    if room_type == "bathroom":
        sink = next((p for p in layout.placed if p.model.category == "sink"), None)
        if sink is not None:
            layout.on_wall(fixtures.mirror(rng), 1.1, 1.4, above=sink)
        for _ in range(int(rng.integers(1, 3))):
            layout.on_wall(fixtures.towel(rng), 0.8, 1.2)
        toiletries = (clutter.bottle, clutter.bottle, clutter.cup,
                      lambda r: clutter.plant(r, small=True))  # fmt: skip
        _wall_shelf(layout, toiletries, 2, 4)
        if rng.random() < 0.5:
            layout.on_wall(clutter.picture(rng), *EYE_LEVEL)
        layout.free(clutter.rug(rng, small=True))
        if rng.random() < 0.7:
            layout.free(clutter.laundry_basket(rng))
        return
    if room_type == "kitchen":
        kitchenware = (clutter.bowl, clutter.cup, clutter.bottle, clutter.vase)
        _wall_shelf(layout, kitchenware, 2, 4)
        if rng.random() < 0.5:
            _wall_shelf(layout, kitchenware, 1, 3)
        for _ in range(int(rng.integers(1, 3))):
            layout.on_wall(clutter.picture(rng), *EYE_LEVEL)
        if rng.random() < 0.4:
            layout.on_wall(fixtures.towel(rng), 0.8, 1.2)
        if rng.random() < 0.4:
            layout.free(clutter.rug(rng))
        return
    for _ in range(int(rng.integers(2, 5))):
        layout.on_wall(clutter.picture(rng), *EYE_LEVEL)
    if rng.random() < 0.7:
        _wall_shelf(layout, small, 1, 3)
    if room_type == "bedroom":
        if rng.random() < 0.4:
            layout.on_wall(fixtures.mirror(rng, shape="flat"), 1.0, 1.3)
        if rng.random() < 0.4:
            layout.free(clutter.laundry_basket(rng))
    for _ in range(int(rng.integers(1, 3))):
        layout.free(clutter.rug(rng))


def furnish(layout: Layout, room_type: str) -> None:
    """The plan of the room type, then the common extras: plants, a bin, a lamp; then what
    hangs on the walls and lies on the floor."""
    _FURNISH[room_type](layout)
    rng = layout.rng
    extras = [(lambda: clutter.plant(rng, small=False), 0.7), (lambda: clutter.trash_can(rng), 0.7)]
    if room_type != "bathroom":
        extras += [(lambda: clutter.lamp(rng, small=False), 0.4),
                   (lambda: storage.coat_rack(rng), 0.15)]  # fmt: skip
        extras += [(lambda: seating.stool(rng), 0.2),
                   (lambda: clutter.plant(rng, small=False), 0.4)]  # fmt: skip
    for make, chance in extras:
        if rng.random() < chance:
            layout.free(make())
    _walls_and_floor(layout, room_type)
