// A ShaderEffect with a custom fragment shader (shaders/wave.frag, compiled with Qt's
// qsb into shaders/wave.frag.qsb: qsb --glsl "100 es,120,150" --hlsl 50 --msl 12).
import QtQuick

Rectangle {
    id: root
    width: 640; height: 360
    color: "#14213d"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 24

    Image { id: photo; source: "assets/photo.png"; visible: false }
    ShaderEffect {
        x: 20; y: 20; width: 280; height: 140
        property variant source: photo
        property real phase: root.frame * 0.4
        fragmentShader: "shaders/wave.frag.qsb"
    }
}
