// Colour test card for tests/test_colour.py: flat swatches, nothing moves.
// Rows 1-4 are opaque (saturated primaries and secondaries, brand mid-tones, greys);
// row 5 repeats four of them half transparent (#80rrggbb) for the alpha presets.
import QtQuick

Item {
    id: root
    width: 1280
    height: 720
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 6
    property var swatches: [
        "#ff0000", "#00ff00", "#0000ff", "#ffff00",
        "#00ffff", "#ff00ff", "#e0a030", "#10b981",
        "#3b5998", "#7f3f9f", "#ff8000", "#c8102e",
        "#ffffff", "#808080", "#202020", "#000000",
        "#80e0a030", "#8010b981", "#80ff0000", "#800000ff"
    ]

    Grid {
        columns: 4
        Repeater {
            model: root.swatches
            Rectangle {
                width: root.width / 4
                height: root.height / 5
                color: modelData
            }
        }
    }
}
