// SpriteSequence played on the frame clock. The sheet holds four 16 px frames: orange,
// purple, green, white. "warm" shows orange then purple, 100 ms each, and goes on to "cool"
// (green then white, 100 ms each), which goes back to "warm": at 30 fps a colour lasts
// 3 frames. From frame 24 the goal is "still" (white, held): reached through "cool".
// A second sequence is jumped to "b" by the scene at frame 10; its sprites are frame-synced
// (one frame a drawn frame). A third picks its next sprite at random, by weight.
import QtQuick

Rectangle {
    id: root
    width: 320; height: 180
    color: "#202020"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 40

    SpriteSequence {
        id: walker
        x: 20; y: 20; width: 96; height: 96
        interpolate: false
        smooth: false
        goalSprite: root.frame >= 24 ? "still" : ""
        Sprite {
            name: "warm"; source: "assets/sprite_sheet.png"
            frameWidth: 16; frameHeight: 16; frameCount: 2; frameDuration: 100
            to: { "cool": 1 }
        }
        Sprite {
            name: "cool"; source: "assets/sprite_sheet.png"
            frameX: 32; frameWidth: 16; frameHeight: 16; frameCount: 2; frameDuration: 100
            to: { "warm": 1, "still": 0 }
        }
        Sprite {
            name: "still"; source: "assets/sprite_sheet.png"
            frameX: 48; frameWidth: 16; frameHeight: 16; frameCount: 1; frameDuration: 100
        }
    }
    SpriteSequence {
        id: jumper
        x: 140; y: 20; width: 40; height: 40
        interpolate: false
        smooth: false
        Sprite {
            name: "a"; source: "assets/sprite_sheet.png"
            frameWidth: 16; frameHeight: 16; frameCount: 2; frameSync: true
        }
        Sprite {
            name: "b"; source: "assets/sprite_sheet.png"
            frameX: 32; frameWidth: 16; frameHeight: 16; frameCount: 2; frameSync: true
        }
    }
    onFrameChanged: if (frame == 10) jumper.jumpTo("b")
    SpriteSequence {
        id: dice
        x: 200; y: 20; width: 96; height: 96
        smooth: false
        Sprite {
            name: "one"; source: "assets/sprite_sheet.png"
            frameWidth: 16; frameHeight: 16; frameCount: 2; frameDuration: 50
            to: { "one": 1, "two": 1 }
        }
        Sprite {
            name: "two"; source: "assets/sprite_sheet.png"
            frameX: 32; frameWidth: 16; frameHeight: 16; frameCount: 2; frameDuration: 80
            frameDurationVariation: 30
            to: { "one": 2, "two": 1 }
        }
    }
}
