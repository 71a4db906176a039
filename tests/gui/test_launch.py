from labelmate.gui.launch import display_problem


def test_no_display_is_explained_instead_of_aborting():
    message = display_problem({}, platform="linux")
    assert "no display" in message and "QT_QPA_PLATFORM=offscreen" in message


def test_display_or_headless_platform_is_fine():
    assert display_problem({"DISPLAY": ":0"}, platform="linux") == ""
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux") == ""
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") == ""
    assert display_problem({}, platform="darwin") == ""
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, platform="linux") != ""
