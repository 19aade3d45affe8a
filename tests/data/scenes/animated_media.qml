// AnimatedImage (a 10 fps GIF: six colours, 100 ms each) and AnimatedSprite (a sheet of
// four 16 px frames, 10 frames a second) played on the frame clock; the same GIF made to
// play once, at twice its speed; the sheet played once (resting on its last frame), and
// one frame a drawn frame (frameSync).
import QtQuick

Rectangle {
    id: root
    width: 320; height: 180
    color: "#202020"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 40

    AnimatedImage {
        id: gif
        x: 20; y: 20; width: 96; height: 96
        source: "assets/six_colours.gif"
        smooth: false
    }
    AnimatedImage {
        id: once
        x: 20; y: 130; width: 40; height: 40
        source: "assets/six_colours_once.gif"
        speed: 2
        smooth: false
    }
    AnimatedSprite {
        id: sprite
        x: 180; y: 20; width: 96; height: 96
        source: "assets/sprite_sheet.png"
        frameWidth: 16; frameHeight: 16; frameCount: 4
        frameRate: 10
        smooth: false
        interpolate: false
    }
    AnimatedSprite {
        id: once_sprite
        x: 100; y: 130; width: 40; height: 40
        source: "assets/sprite_sheet.png"
        frameWidth: 16; frameHeight: 16; frameCount: 4
        frameDuration: 100; loops: 1
        finishBehavior: AnimatedSprite.FinishAtFinalFrame
        smooth: false
        interpolate: false
    }
    AnimatedSprite {
        id: synced
        x: 160; y: 130; width: 40; height: 40
        source: "assets/sprite_sheet.png"
        frameWidth: 16; frameHeight: 16; frameCount: 4
        frameSync: true
        smooth: false
        interpolate: false
    }
}
