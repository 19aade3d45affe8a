// Random numbers in a scene: items as particles coloured with Math.random(), a trail of
// animated sprite particles (random transitions), and a square that jumps to a random
// place on every frame. Qt's shared random generator is seeded the same way every time
// the scene loads: frames repeat.
import QtQuick
import QtQuick.Particles

Rectangle {
    id: root
    width: 320; height: 180
    color: "#202030"
    property int frame: 0
    property int durationInFrames: 30

    Rectangle {
        id: jumper
        width: 20; height: 20
        color: Qt.hsla(Math.random(), 0.8, 0.6, 1)
    }
    onFrameChanged: {
        jumper.x = Math.random() * (width - jumper.width)
        jumper.y = Math.random() * (height - jumper.height)
    }

    ParticleSystem { id: particles }
    ItemParticle {
        system: particles
        groups: ["boxes"]
        delegate: Rectangle { width: 10; height: 10; color: Qt.hsla(Math.random(), 0.7, 0.5, 1) }
    }
    Emitter {
        id: boxes
        system: particles
        group: "boxes"
        x: 60; y: 20; width: 200; height: 10
        emitRate: 20; lifeSpan: 1500
        velocity: PointDirection { y: 60; xVariation: 40 }
    }
    ImageParticle {
        system: particles
        groups: ["trail"]
        sprites: [
            Sprite {
                name: "warm"; source: "assets/sprite_sheet.png"
                frameWidth: 16; frameHeight: 16; frameCount: 2; frameDuration: 60
                to: { "warm": 1, "cool": 1 }
            },
            Sprite {
                name: "cool"; source: "assets/sprite_sheet.png"
                frameX: 32; frameWidth: 16; frameHeight: 16; frameCount: 2; frameDuration: 90
                to: { "warm": 1 }
            }
        ]
    }
    TrailEmitter {
        system: particles
        group: "trail"
        follow: "boxes"
        emitRatePerParticle: 8; lifeSpan: 400; size: 6
        velocity: AngleDirection { angleVariation: 360; magnitude: 15 }
    }
}
